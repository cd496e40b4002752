# Vitis HLS flow for the spacemimo accelerator (called by hls/Makefile: make synth|cosim|export).
#
# Environment (all optional):
#   PART          FPGA part (default xc7vx690tffg1761-3, the GSM paper's Virtex-7)
#   CLOCK         clock period in ns (default 10 = 100 MHz, as the paper)
#   STEP          csim | synth | cosim | export (default synth; each includes the ones before it
#                 except csim)
#   CFLAGS_EXTRA  configuration -D flags (hls/src/accel_config.h), e.g. -DSM_ARRAY_COLS=64
#   VECTORS       golden-vector directory for csim / cosim (spacemimo golden --out DIR)
#
# Co-simulation of the paper-size configuration is slow (1,024 PEs, hundreds of banks): use a
# small CFLAGS_EXTRA (e.g. -DSM_ARRAY_COLS=16 -DSM_DRAIN_COLS=16 -DSM_WEIGHT_DEPTH=512) and a
# small program (spacemimo golden --random gsm --small -n 4).
proc env_or {name default} {
    if {[info exists ::env($name)] && $::env($name) ne ""} { return $::env($name) }
    return $default
}
set root    [file normalize [file join [file dirname [info script]] ..]]
set part    [env_or PART xc7vx690tffg1761-3]
set clock   [env_or CLOCK 10]
set step    [env_or STEP synth]
set extra   [env_or CFLAGS_EXTRA ""]
set vectors [env_or VECTORS ""]
set cflags  "-std=c++14 -I$root/src $extra"

open_project -reset spacemimo_accel_prj
set_top spacemimo_accel
add_files $root/src/spacemimo_accel.cpp -cflags $cflags
add_files -tb $root/tb/tb_accel.cpp -cflags $cflags
open_solution -reset sol1 -flow_target vivado
set_part $part
create_clock -period $clock -name default
config_interface -m_axi_addr64
# The IP's VLNV comes from board/regmap.yaml (generated ip_vlnv.tcl): what PYNQ's bindto matches.
source [file join [file dirname [info script]] ip_vlnv.tcl]
config_export -format ip_catalog -rtl verilog -vendor $ip_vendor -library $ip_library -ipname $ip_name -version $ip_version

if {$step eq "csim"} {
    csim_design -argv $vectors
    exit
}
csynth_design
if {$step eq "cosim" || $step eq "export"} {
    if {$vectors ne ""} {
        cosim_design -rtl verilog -argv "$vectors --max-vectors 2"
    } else {
        puts "VECTORS not set: co-simulation skipped"
    }
}
if {$step eq "export"} {
    export_design
}
exit
