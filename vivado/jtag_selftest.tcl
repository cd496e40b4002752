# VC709 bring-up without a processor: program the FPGA over JTAG and read the accelerator's
# identity registers through the JTAG-to-AXI host of the block design.
#
#   vivado -mode batch -source vivado/jtag_selftest.tcl -tclargs build/vivado/vc709/config.tcl
#
# Passes when HW_ID reads the register map's value (spacemimo/spec/regmap.yaml: 'SM' + map
# version) and HW_CONFIG is not zero; prints HW_CONFIG for `spacemimo.spec.regmap` to decode.
# The Zynq boards use `spacemimo board selftest` on the board instead (board/README.md).

if {[llength $argv] != 1} {
    error "usage: vivado -mode batch -source jtag_selftest.tcl -tclargs <config.tcl>"
}
source [lindex $argv 0]

proc sm_offset {name} {
    global sm_registers
    foreach reg $sm_registers {
        if {[lindex $reg 0] eq $name} { return [lindex $reg 1] }
    }
    error "register $name is not in the register map"
}

proc sm_read {axi addr} {
    set txn [create_hw_axi_txn -force sm_rd $axi -type read -address [format %08X $addr] -len 1]
    run_hw_axi $txn
    return [expr {"0x[get_property DATA $txn]"}]
}

set bit [file join $sm_out $sm_name.bit]
if {![file exists $bit]} { error "$bit not found: run `make bitstream BOARD=$sm_board` first" }

open_hw_manager
connect_hw_server
open_hw_target
set dev [lindex [get_hw_devices [string range $sm_part 0 8]*] 0]
if {$dev eq ""} { error "no $sm_part on the JTAG chain: is the $sm_board_title powered and cabled?" }
current_hw_device $dev
set_property PROGRAM.FILE $bit $dev
program_hw_devices $dev
refresh_hw_device $dev
set axi [lindex [get_hw_axis] 0]
if {$axi eq ""} { error "no JTAG-to-AXI master in the programmed design ($bit)" }
reset_hw_axi $axi

set hw_id [sm_read $axi [expr {$sm_jtag_ctrl_base + [sm_offset HW_ID]}]]
set hw_config [sm_read $axi [expr {$sm_jtag_ctrl_base + [sm_offset HW_CONFIG]}]]
puts [format "HW_ID:     0x%08X (expected %s)" $hw_id $sm_hw_id]
puts [format "HW_CONFIG: 0x%08X" $hw_config]
if {$hw_id != $sm_hw_id} {
    error [expr {$hw_id == 0 ? "HW_ID reads 0: clock not running or the design is in reset\
                               (MIG calibration?)" : "HW_ID mismatch: bitstream built from\
                               another register-map version"}]
}
if {$hw_config == 0} { error "HW_CONFIG reads 0: a broken build" }
puts "RESULT: PASS"
close_hw_target
