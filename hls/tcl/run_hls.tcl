# Vitis HLS flow for the spacemimo accelerator, ONE invocation, one project (hls/Makefile:
# `make vitis`): C-simulation -> C synthesis -> C/RTL co-simulation -> export_design -flow impl
# (Vivado out-of-context synthesis + place & route of the exported IP).
#
#   vitis_hls -f run_hls.tcl                  (Vitis HLS up to 2024.1)
#   vitis-run --mode hls --tcl run_hls.tcl    (2023.2 and later; vitis_hls is deprecated in
#                                              2024.2, the same install's v++ -c --mode hls
#                                              runs the same kernel from a config file)
#
# Environment (all optional):
#   PART          FPGA part (default xc7vx690tffg1761-3, the GSM paper's Virtex-7)
#   CLOCK         clock period in ns (default 10 = 100 MHz, as the paper)
#   STEPS         any of: csim synth cosim impl export (default "csim synth cosim impl";
#                 cosim, impl and export run csynth first; impl exports too)
#   CFLAGS_EXTRA  configuration -D flags (hls/src/accel_config.h), e.g. the reduced build of
#                 hls/Makefile and the m_axi depths of the co-simulated vectors
#   VECTORS       golden-vector directory for csim / cosim (spacemimo golden --out DIR)
#   TB_VECTORS    vectors the testbench runs (default 2: keeps co-simulation short and the
#                 m_axi depths equal to the testbench's buffers)
proc env_or {name default} {
    if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
    return $default
}
proc has_step {steps name} { return [expr {[lsearch -exact $steps $name] >= 0}] }
set root    [file normalize [file join [file dirname [info script]] ..]]
set part    [env_or PART xc7vx690tffg1761-3]
set clock   [env_or CLOCK 10]
set steps   [env_or STEPS "csim synth cosim impl"]
set extra   [env_or CFLAGS_EXTRA ""]
set vectors [env_or VECTORS ""]
set nvec    [env_or TB_VECTORS 2]
set cflags  "-std=c++14 -I$root/src $extra"

open_project -reset spacemimo_accel_prj
set_top spacemimo_accel
add_files $root/src/spacemimo_accel.cpp -cflags $cflags
add_files -tb $root/tb/tb_accel.cpp -cflags $cflags
open_solution -reset sol1 -flow_target vivado
set_part $part
create_clock -period $clock -name default
config_interface -m_axi_addr64
# The IP's VLNV comes from spacemimo/spec/regmap.yaml (generated ip_vlnv.tcl): what PYNQ's
# bindto matches.
source [file join [file dirname [info script]] ip_vlnv.tcl]
config_export -format ip_catalog -rtl verilog -vendor $ip_vendor -library $ip_library -ipname $ip_name -version $ip_version

set tb_args "$vectors --max-vectors $nvec"
if {[has_step $steps csim]} {
    if {$vectors eq ""} { error "STEPS has csim but VECTORS is not set" }
    csim_design -argv $tb_args
}
if {[has_step $steps synth] || [has_step $steps cosim] || [has_step $steps impl] || [has_step $steps export]} {
    csynth_design
}
if {[has_step $steps cosim]} {
    if {$vectors eq ""} { error "STEPS has cosim but VECTORS is not set" }
    cosim_design -rtl verilog -argv $tb_args
}
if {[has_step $steps impl]} {
    export_design -flow impl
} elseif {[has_step $steps export]} {
    export_design
}
exit
