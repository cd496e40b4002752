# The bitstream of one board: IP packaging -> block design -> synthesis -> implementation ->
# write_bitstream, then the overlay files and the post-route reports under $sm_out.
#
#   vivado -mode batch -source vivado/build.tcl -tclargs <config.tcl>
#
# <config.tcl> is written by `spacemimo bitstream --board <board>` (spacemimo/hw/vivado.py:
# part, board files, the RTL build's parameters, the register map); `make bitstream
# BOARD=<board>` runs both. Outputs in $sm_out:
#   $sm_name.bit, $sm_name.hwh   the PYNQ overlay (spacemimo board selftest --bitstream ...)
#   timing_summary.rpt           report_timing_summary of the routed design (WNS/TNS)
#   utilization.rpt              report_utilization of the routed design
#   utilization_hier.rpt         the same per hierarchy (the accelerator vs the shell)
#   ip/                          the packaged IP (component.xml), project/ the Vivado project

if {[llength $argv] != 1} {
    error "usage: vivado -mode batch -source build.tcl -tclargs <config.tcl>"
}
source [lindex $argv 0]
set sm_here [file dirname [file normalize [info script]]]
source [file join $sm_here package_ip.tcl]
source [file join $sm_here block_design.tcl]
source [file join $sm_root hls tcl ip_vlnv.tcl]

proc sm_require_version {} {
    set have [version -short]
    if {[package vcompare [lindex [split $have _] 0] 2023.2] < 0} {
        error "Vivado $have is older than 2023.2, the version this flow is written for"
    }
}

proc sm_check_run {run} {
    set progress [get_property PROGRESS [get_runs $run]]
    if {$progress ne "100%"} {
        error "run $run did not complete ($progress): [get_property STATUS [get_runs $run]];\
               see [get_property DIRECTORY [get_runs $run]]/runme.log"
    }
}

sm_require_version
file mkdir $sm_out
set ipdir [file join $sm_out ip]
sm_package_ip $ipdir

create_project -force sm_$sm_board [file join $sm_out project] -part $sm_part
set bp [lindex [lsort -dictionary [get_board_parts -quiet $sm_board_part]] end]
if {$bp ne ""} {
    set_property board_part $bp [current_project]
} elseif {$sm_ps eq "mig"} {
    error "$sm_board_title needs its board files ($sm_board_part) for the MIG DDR3 settings:\
           install them from the Vivado board store (xhub) and rerun"
} else {
    puts "WARNING: no board files match $sm_board_part: the PS keeps its defaults (PYNQ\
          configures the PS at boot; the .hwh still describes the PL side)"
}
set_property target_language Verilog [current_project]
set_property ip_repo_paths [list $ipdir] [current_project]
update_ip_catalog

sm_block_design
set bd_file [get_files $sm_bd_name.bd]
generate_target all $bd_file
set wrapper [make_wrapper -files $bd_file -top]
add_files -norecurse $wrapper
set_property top ${sm_bd_name}_wrapper [current_fileset]
update_compile_order -fileset sources_1

launch_runs synth_1 -jobs $sm_jobs
wait_on_run synth_1
sm_check_run synth_1
launch_runs impl_1 -to_step write_bitstream -jobs $sm_jobs
wait_on_run impl_1
sm_check_run impl_1

open_run impl_1
report_timing_summary -delay_type min_max -max_paths 10 -report_unconstrained \
    -file [file join $sm_out timing_summary.rpt]
report_utilization -file [file join $sm_out utilization.rpt]
report_utilization -hierarchical -hierarchical_depth 2 \
    -file [file join $sm_out utilization_hier.rpt]

# the overlay: <name>.bit and <name>.hwh side by side (PYNQ finds the .hwh by the .bit's name)
set bit [file join [get_property DIRECTORY [get_runs impl_1]] ${sm_bd_name}_wrapper.bit]
file copy -force $bit [file join $sm_out $sm_name.bit]
set hwh [lindex [lsearch -all -inline -glob [get_files -all -quiet *.hwh] \
                   */hw_handoff/$sm_bd_name.hwh] 0]
if {$hwh eq ""} {
    set hwh [lindex [glob -nocomplain [file join $sm_out project *.gen sources_1 bd $sm_bd_name \
                                           hw_handoff $sm_bd_name.hwh]] 0]
}
if {$hwh eq ""} {
    error "no hardware handoff $sm_bd_name.hwh among the block design's generated files"
}
file copy -force $hwh [file join $sm_out $sm_name.hwh]
puts "spacemimo: wrote [file join $sm_out $sm_name.bit] and [file join $sm_out $sm_name.hwh]"
close_project
