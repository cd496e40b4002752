# The block design around the packaged IP, one per board (sourced by build.tcl after the
# configuration Tcl). Defines sm_block_design, which creates $sm_bd_name in the open project:
#
#   PS (or MIG + JTAG-to-AXI on the VC709) --ctrl SmartConnect--> s_axi_control, axi_intc
#   m_axi_gmem, m_axi_wgt0..N-1 --one SmartConnect per memory port--> PS HP ports (or MIG)
#   interrupt -> axi_intc -> PS interrupt input (PYNQ's Interrupt needs an axi_intc)
#   one PL clock at sm_clock_mhz, one proc_sys_reset, addresses by assign_bd_address
#
# Memory ports per PS (the build's WGT_PORTS and WGT_DW, spacemimo/spec/builds.yaml):
#   ps7 (Zynq-7000): weight port k -> S_AXI_HPk (64-bit); m_axi_gmem shares HP0 with weight
#                    port 0 (four HP ports in all; ACP/GP would be coherent or 32-bit)
#   psu (Zynq UltraScale+): weight port k < 4 -> S_AXI_HPk_FPD (S_AXI_GP(2+k), WGT_DW bits);
#                    m_axi_gmem -> S_AXI_HPC0_FPD (S_AXI_GP0), non-coherent use; a fifth
#                    weight port -> S_AXI_HPC1_FPD (S_AXI_GP1), a sixth shares HPC0 with
#                    m_axi_gmem (UG1085 ch. 35: six 128-bit PL-to-DDR ports, HP0..3 + HPC0/1;
#                    the seventh, S_AXI_LPD, reaches the DDR through the low-power domain)
#   mig (VC709): every master -> one SmartConnect -> MIG DDR3 (SODIMM J1)

# the IP's CONFIG.<param> values for this build
proc sm_ip_config {} {
    global sm_params
    set cfg {}
    dict for {pname pvalue} $sm_params { lappend cfg CONFIG.$pname $pvalue }
    return $cfg
}

proc sm_smartconnect {name num_si num_mi {num_clks 1}} {
    set sc [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect $name]
    set_property -dict [list CONFIG.NUM_SI $num_si CONFIG.NUM_MI $num_mi \
                            CONFIG.NUM_CLKS $num_clks] $sc
    return $sc
}

# The masters of the IP that go to memory port p, as a list per port:
# {{m_axi_gmem m_axi_wgt0} {m_axi_wgt1} ...}. ps7 shares port 0; psu gives gmem its own
# (HPC0, listed first) but for a sixth weight port; mig puts everything on one port.
proc sm_memory_groups {ps} {
    global sm_wgt_ports
    set wgt {}
    for {set k 0} {$k < $sm_wgt_ports} {incr k} { lappend wgt m_axi_wgt$k }
    switch -- $ps {
        ps7 {
            if {$sm_wgt_ports == 0} { return [list [list m_axi_gmem]] }
            set groups [list [concat m_axi_gmem [lindex $wgt 0]]]
            foreach w [lrange $wgt 1 end] { lappend groups [list $w] }
            return $groups
        }
        psu {
            set groups [list [concat m_axi_gmem [lrange $wgt 5 5]]]
            foreach w [lrange $wgt 0 4] { lappend groups [list $w] }
            return $groups
        }
        mig { return [list [concat m_axi_gmem $wgt]] }
        default { error "unknown processing system '$ps'" }
    }
}

# PS7 and PSU: the PS slave port (and its clock pin) memory group p connects to, and the PS
# configuration that enables it, as wide as the widest master of the group (m_axi_gmem:
# AXI_DW, m_axi_wgt*: WGT_DW) up to the port's maximum (spacemimo/hw/vivado.py checks that
# the weight ports fit).
proc sm_port_width {masters} {
    global sm_wgt_dw sm_axi_dw sm_hp_max_bits
    set width 32
    foreach m $masters {
        set w [expr {$m eq "m_axi_gmem" ? $sm_axi_dw : $sm_wgt_dw}]
        if {$w > $width} { set width $w }
    }
    return [expr {min($width, $sm_hp_max_bits)}]
}

proc sm_ps_port {ps p masters} {
    set width [sm_port_width $masters]
    if {$ps eq "ps7"} {
        return [list ps/S_AXI_HP$p ps/S_AXI_HP${p}_ACLK \
                    [list CONFIG.PCW_USE_S_AXI_HP$p 1 CONFIG.PCW_S_AXI_HP${p}_DATA_WIDTH $width]]
    }
    if {$p == 0} {
        return [list ps/S_AXI_HPC0_FPD ps/saxihpc0_fpd_aclk \
                    [list CONFIG.PSU__USE__S_AXI_GP0 1 CONFIG.PSU__SAXIGP0__DATA_WIDTH $width]]
    }
    if {$p == 5} {
        return [list ps/S_AXI_HPC1_FPD ps/saxihpc1_fpd_aclk \
                    [list CONFIG.PSU__USE__S_AXI_GP1 1 CONFIG.PSU__SAXIGP1__DATA_WIDTH $width]]
    }
    set hp [expr {$p - 1}]
    set gp [expr {$p + 1}]
    return [list ps/S_AXI_HP${hp}_FPD ps/saxihp${hp}_fpd_aclk \
                [list CONFIG.PSU__USE__S_AXI_GP$gp 1 CONFIG.PSU__SAXIGP${gp}__DATA_WIDTH $width]]
}

proc sm_board_preset_available {} {
    global sm_board_part
    return [expr {[llength [get_board_parts -quiet $sm_board_part]] > 0}]
}

# Zynq-7000: FCLK_CLK0 at the build's clock, M_AXI_GP0 for control, HP ports for memory,
# IRQ_F2P for the interrupt controller. Returns {clock resetn ctrl_master irq_pin}.
proc sm_ps7 {groups} {
    global sm_clock_mhz
    set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7 ps]
    if {[sm_board_preset_available]} {
        apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
            -config {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"} $ps
    } else {
        # no board files: PYNQ configures the PS itself at boot, the bitstream's PS settings
        # only describe the PL side (clocks, ports) in the .hwh
        make_bd_intf_pins_external [get_bd_intf_pins ps/DDR] [get_bd_intf_pins ps/FIXED_IO]
    }
    set cfg [list CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $sm_clock_mhz CONFIG.PCW_EN_CLK0_PORT 1 \
                 CONFIG.PCW_EN_RST0_PORT 1 CONFIG.PCW_USE_M_AXI_GP0 1 \
                 CONFIG.PCW_USE_FABRIC_INTERRUPT 1 CONFIG.PCW_IRQ_F2P_INTR 1]
    for {set p 0} {$p < [llength $groups]} {incr p} {
        set cfg [concat $cfg [lindex [sm_ps_port ps7 $p [lindex $groups $p]] 2]]
    }
    set_property -dict $cfg $ps
    connect_bd_net [get_bd_pins ps/FCLK_CLK0] [get_bd_pins ps/M_AXI_GP0_ACLK]
    return [list ps/FCLK_CLK0 ps/FCLK_RESET0_N ps/M_AXI_GP0 ps/IRQ_F2P]
}

# Zynq UltraScale+: pl_clk0, M_AXI_HPM0_FPD for control, HPC0 + HP0..3 (+ HPC1) for memory,
# pl_ps_irq0 for the interrupt controller.
proc sm_psu {groups} {
    global sm_clock_mhz
    set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e ps]
    if {[sm_board_preset_available]} {
        apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e \
            -config {apply_board_preset "1"} $ps
    }
    set cfg [list CONFIG.PSU__FPGA_PL0_ENABLE 1 \
                 CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $sm_clock_mhz \
                 CONFIG.PSU__USE__M_AXI_GP0 1 CONFIG.PSU__MAXIGP0__DATA_WIDTH 32 \
                 CONFIG.PSU__USE__M_AXI_GP1 0 CONFIG.PSU__USE__M_AXI_GP2 0 \
                 CONFIG.PSU__USE__IRQ0 1]
    for {set p 0} {$p < [llength $groups]} {incr p} {
        set cfg [concat $cfg [lindex [sm_ps_port psu $p [lindex $groups $p]] 2]]
    }
    set_property -dict $cfg $ps
    connect_bd_net [get_bd_pins ps/pl_clk0] [get_bd_pins ps/maxihpm0_fpd_aclk]
    return [list ps/pl_clk0 ps/pl_resetn0 ps/M_AXI_HPM0_FPD ps/pl_ps_irq0]
}

# VC709: no processor. MIG (DDR3 SODIMM J1, board automation) holds program, inputs, outputs
# and streamed weights; a JTAG-to-AXI master is the host (hardware manager Tcl writes the
# registers and the DDR); the accelerator runs at sm_clock_mhz from a clocking wizard on the
# MIG's ui_clk, a two-clock SmartConnect crosses into the MIG's domain.
proc sm_mig {groups} {
    global sm_clock_mhz
    set mig [create_bd_cell -type ip -vlnv xilinx.com:ip:mig_7series mig]
    apply_bd_automation -rule xilinx.com:bd_rule:mig_7series \
        -config {Board_Interface "ddr3_sdram_socket_j1"} $mig
    apply_bd_automation -rule xilinx.com:bd_rule:board \
        -config {Board_Interface "reset ( FPGA Reset ) "} [get_bd_pins mig/sys_rst]
    set clk [create_bd_cell -type ip -vlnv xilinx.com:ip:clk_wiz clk]
    # the wizard's input is the MIG's ui_clk, whatever frequency the board's MIG settings give
    set ui_mhz [expr {[get_property CONFIG.FREQ_HZ [get_bd_pins mig/ui_clk]] / 1.0e6}]
    set_property -dict [list CONFIG.PRIM_IN_FREQ $ui_mhz \
                            CONFIG.CLKOUT1_REQUESTED_OUT_FREQ $sm_clock_mhz \
                            CONFIG.USE_RESET true CONFIG.RESET_TYPE ACTIVE_HIGH] $clk
    connect_bd_net [get_bd_pins mig/ui_clk] [get_bd_pins clk/clk_in1]
    connect_bd_net [get_bd_pins mig/ui_clk_sync_rst] [get_bd_pins clk/reset]
    # the MIG side of the memory SmartConnect: its own reset in ui_clk's domain
    set mrst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset mig_rst]
    connect_bd_net [get_bd_pins mig/ui_clk] [get_bd_pins mig_rst/slowest_sync_clk]
    connect_bd_net [get_bd_pins mig/ui_clk_sync_rst] [get_bd_pins mig_rst/ext_reset_in]
    connect_bd_net [get_bd_pins mig/mmcm_locked] [get_bd_pins mig_rst/dcm_locked]
    connect_bd_net [get_bd_pins mig_rst/peripheral_aresetn] [get_bd_pins mig/aresetn]
    set host [create_bd_cell -type ip -vlnv xilinx.com:ip:jtag_axi host]
    set_property CONFIG.PROTOCOL 0 $host
    return [list clk/clk_out1 mig/ui_clk_sync_rst host/M_AXI ""]
}

proc sm_block_design {} {
    global sm_ps sm_bd_name sm_ip_cell ip_vendor ip_library ip_name ip_version
    create_bd_design $sm_bd_name
    set vlnv $ip_vendor:$ip_library:$ip_name:$ip_version
    set accel [create_bd_cell -type ip -vlnv $vlnv $sm_ip_cell]
    set_property -dict [sm_ip_config] $accel

    set groups [sm_memory_groups $sm_ps]
    switch -- $sm_ps {
        ps7 { lassign [sm_ps7 $groups] clk rstn ctrl irq }
        psu { lassign [sm_psu $groups] clk rstn ctrl irq }
        mig { lassign [sm_mig $groups] clk rstn ctrl irq }
    }

    # reset: one proc_sys_reset in the accelerator's clock domain
    set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset rst]
    connect_bd_net [get_bd_pins $clk] [get_bd_pins rst/slowest_sync_clk]
    connect_bd_net [get_bd_pins $rstn] [get_bd_pins rst/ext_reset_in]
    # the PS resets are active low (FCLK_RESET0_N, pl_resetn0), the MIG's ui_clk_sync_rst high
    set_property CONFIG.C_EXT_RESET_HIGH [expr {$sm_ps eq "mig" ? 1 : 0}] $rst
    if {$sm_ps eq "mig"} {
        connect_bd_net [get_bd_pins clk/locked] [get_bd_pins rst/dcm_locked]
    }
    set clocked [list $sm_ip_cell/ap_clk]
    set resets [list $sm_ip_cell/ap_rst_n]

    # control: the host's master -> s_axi_control (+ the interrupt controller on a PS)
    set ctrl_targets [list $sm_ip_cell/s_axi_control]
    if {$sm_ps ne "mig"} {
        set intc [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_intc intc]
        set_property CONFIG.C_IRQ_CONNECTION 1 $intc
        lappend ctrl_targets intc/s_axi
        lappend clocked intc/s_axi_aclk
        lappend resets intc/s_axi_aresetn
        connect_bd_net [get_bd_pins $sm_ip_cell/interrupt] [get_bd_pins intc/intr]
        connect_bd_net [get_bd_pins intc/irq] [get_bd_pins $irq]
    } else {
        # the JTAG host also reaches the DDR (program, inputs, outputs): through sc_mem
        lappend ctrl_targets sc_mem0/S[format %02d [llength [lindex $groups 0]]]_AXI
        lappend clocked host/aclk
        lappend resets host/aresetn
    }
    sm_smartconnect sc_ctrl 1 [llength $ctrl_targets]
    connect_bd_intf_net [get_bd_intf_pins $ctrl] [get_bd_intf_pins sc_ctrl/S00_AXI]
    lappend clocked sc_ctrl/aclk
    lappend resets sc_ctrl/aresetn

    # memory: one SmartConnect per memory port (protocol/width conversion, AXI4 -> AXI3 HP)
    for {set p 0} {$p < [llength $groups]} {incr p} {
        set masters [lindex $groups $p]
        set sc sc_mem$p
        if {$sm_ps eq "mig"} {
            sm_smartconnect $sc [expr {[llength $masters] + 1}] 1 2
            connect_bd_intf_net [get_bd_intf_pins $sc/M00_AXI] [get_bd_intf_pins mig/S_AXI]
            connect_bd_net [get_bd_pins mig/ui_clk] [get_bd_pins $sc/aclk1]
        } else {
            sm_smartconnect $sc [llength $masters] 1
            lassign [sm_ps_port $sm_ps $p $masters] port port_clk
            connect_bd_intf_net [get_bd_intf_pins $sc/M00_AXI] [get_bd_intf_pins $port]
            connect_bd_net [get_bd_pins $clk] [get_bd_pins $port_clk]
        }
        for {set s 0} {$s < [llength $masters]} {incr s} {
            connect_bd_intf_net [get_bd_intf_pins $sm_ip_cell/[lindex $masters $s]] \
                [get_bd_intf_pins $sc/S[format %02d $s]_AXI]
        }
        lappend clocked $sc/aclk
        lappend resets $sc/aresetn
    }
    for {set t 0} {$t < [llength $ctrl_targets]} {incr t} {
        connect_bd_intf_net [get_bd_intf_pins sc_ctrl/M[format %02d $t]_AXI] \
            [get_bd_intf_pins [lindex $ctrl_targets $t]]
    }

    foreach pin $clocked { connect_bd_net [get_bd_pins $clk] [get_bd_pins $pin] }
    foreach pin $resets { connect_bd_net [get_bd_pins rst/peripheral_aresetn] [get_bd_pins $pin] }

    if {$sm_ps eq "mig"} {
        # the JTAG host's view of the registers at a fixed address (vivado/jtag_selftest.tcl)
        global sm_jtag_ctrl_base
        assign_bd_address -target_address_space [get_bd_addr_spaces host/Data] \
            -offset $sm_jtag_ctrl_base -range 64K [get_bd_addr_segs $sm_ip_cell/s_axi_control/Reg]
    }
    assign_bd_address
    validate_bd_design
    save_bd_design
}
