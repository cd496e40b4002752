# IP packaging of the hand-written RTL (rtl/*.v) as a Vivado IP-catalog core.
#
# Sourced by build.tcl after the configuration Tcl (spacemimo/hw/vivado.py writes it:
# sm_root, sm_part, sm_params, sm_registers, ...). Defines sm_package_ip, which writes
# component.xml under the given directory. The VLNV comes from hls/tcl/ip_vlnv.tcl, generated
# from spacemimo/spec/regmap.yaml: the same identity the HLS export uses and the PYNQ driver's
# bindto matches.
#
# Interfaces (rtl/README.md "Ports"): s_axi_control (AXI4-Lite slave, the register map as its
# address block), m_axi_gmem (AXI4 master), m_axi_wgt0..5 (AXI4 read-only masters, enabled
# while WGT_PORTS > k), interrupt (level high), ap_clk (associated with every bus), ap_rst_n
# (active low). The packager's own inference is removed first, so every interface and port map
# below is declared here and nowhere else.

set sm_axi_lite_signals {AWADDR AWVALID AWREADY WDATA WSTRB WVALID WREADY BRESP BVALID BREADY
                         ARADDR ARVALID ARREADY RDATA RRESP RVALID RREADY}
set sm_axi_read_signals {ARADDR ARLEN ARSIZE ARBURST ARVALID ARREADY
                         RDATA RRESP RLAST RVALID RREADY}
set sm_axi_write_signals {AWADDR AWLEN AWSIZE AWBURST AWVALID AWREADY
                          WDATA WSTRB WLAST WVALID WREADY BRESP BVALID BREADY}
# inputs of a disabled weight port, tied by the IP wrapper (the RTL ties its outputs idle)
set sm_axi_read_inputs {ARREADY RDATA RRESP RLAST RVALID}

proc sm_enable_expr {param threshold} {
    return "spirit:decode(id('MODELPARAM_VALUE.$param')) > $threshold"
}

# An AXI memory-mapped bus interface named $name whose ports are ${name}_<SIGNAL>.
proc sm_add_aximm {core name mode signals} {
    set bif [ipx::add_bus_interface $name $core]
    set_property abstraction_type_vlnv xilinx.com:interface:aximm_rtl:1.0 $bif
    set_property bus_type_vlnv xilinx.com:interface:aximm:1.0 $bif
    set_property interface_mode $mode $bif
    foreach sig $signals {
        set_property physical_name ${name}_$sig [ipx::add_port_map $sig $bif]
    }
    return $bif
}

# A master's 64-bit address space (what IP integrator's address editor maps DDR into).
proc sm_add_address_space {core name} {
    set as [ipx::add_address_space $name $core]
    set_property range 16E $as
    set_property width 64 $as
    set_property master_address_space_ref $name [ipx::get_bus_interfaces $name -of_objects $core]
    return $as
}

proc sm_add_signal {core name abstraction bus mode logical physical params} {
    set bif [ipx::add_bus_interface $name $core]
    set_property abstraction_type_vlnv $abstraction $bif
    set_property bus_type_vlnv $bus $bif
    set_property interface_mode $mode $bif
    set_property physical_name $physical [ipx::add_port_map $logical $bif]
    foreach {pname pvalue} $params {
        set_property value $pvalue [ipx::add_bus_parameter $pname $bif]
    }
    return $bif
}

# The register map (sm_registers, from regmap.yaml) as the s_axi_control address block, so the
# .hwh describes every register and PYNQ's RegisterMap (and the driver's offset check) sees it.
proc sm_add_register_map {core} {
    global sm_registers sm_reg_range sm_reg_width
    set mm [ipx::add_memory_map s_axi_control $core]
    set_property slave_memory_map_ref s_axi_control \
        [ipx::get_bus_interfaces s_axi_control -of_objects $core]
    set block [ipx::add_address_block Reg $mm]
    set_property range $sm_reg_range $block
    set_property width $sm_reg_width $block
    set_property usage register $block
    set access_names {rw read-write ro read-only wo write-only}
    foreach reg $sm_registers {
        lassign $reg name offset access doc fields
        set r [ipx::add_register $name $block]
        set_property address_offset $offset $r
        set_property size $sm_reg_width $r
        set_property description $doc $r
        foreach fld $fields {
            lassign $fld fname bit width faccess fdoc
            set f [ipx::add_field $fname $r]
            set_property bit_offset $bit $f
            set_property bit_width $width $f
            set_property access [dict get $access_names $faccess] $f
            set_property description $fdoc $f
        }
    }
}

proc sm_package_ip {ipdir} {
    global sm_root sm_part sm_params sm_wgt_max
    global sm_axi_lite_signals sm_axi_read_signals sm_axi_write_signals sm_axi_read_inputs
    source [file join $sm_root hls tcl ip_vlnv.tcl]

    create_project -force sm_ip_package [file join $ipdir .. ip_package] -part $sm_part
    # read as SystemVerilog, as yosys (read_verilog -sv), Verilator and Icarus (-g2012) do:
    # the RTL is Verilog-2005 with a few SystemVerilog-2012 conveniences (rtl/README.md)
    set sources [glob [file join $sm_root rtl *.v]]
    add_files -norecurse $sources
    foreach f $sources { set_property file_type SystemVerilog [get_files $f] }
    set headers [glob [file join $sm_root rtl *.vh]]
    add_files -norecurse $headers
    foreach h $headers { set_property file_type {Verilog Header} [get_files $h] }
    set_property top spacemimo_accel [current_fileset]
    update_compile_order -fileset sources_1

    ipx::package_project -root_dir $ipdir -vendor $ip_vendor -library $ip_library \
        -taxonomy /UserIP -import_files -set_current true -force
    set core [ipx::current_core]
    # the generated headers are `include files of the sources, not compilation units
    foreach h $headers {
        foreach group {xilinx_anylanguagesynthesis xilinx_anylanguagebehavioralsimulation} {
            set f [ipx::get_files *[file tail $h] \
                       -of_objects [ipx::get_file_groups $group -of_objects $core]]
            if {$f ne ""} { set_property is_include true $f }
        }
    }
    set_property name $ip_name $core
    set_property version $ip_version $core
    set_property display_name "spacemimo accelerator (RTL)" $core
    set_property description "GNN precoder accelerator executing spacemimo program format v3" \
        $core
    set_property supported_families {zynq Production zynquplus Production virtex7 Production} \
        $core

    foreach bif [ipx::get_bus_interfaces -of_objects $core] {
        ipx::remove_bus_interface [get_property NAME $bif] $core
    }
    foreach mm [ipx::get_memory_maps -of_objects $core] {
        ipx::remove_memory_map [get_property NAME $mm] $core
    }
    foreach as [ipx::get_address_spaces -of_objects $core] {
        ipx::remove_address_space [get_property NAME $as] $core
    }

    # --- buses
    sm_add_aximm $core s_axi_control slave $sm_axi_lite_signals
    sm_add_register_map $core
    sm_add_aximm $core m_axi_gmem master [concat $sm_axi_write_signals $sm_axi_read_signals]
    sm_add_address_space $core m_axi_gmem
    set busifs [list s_axi_control m_axi_gmem]
    for {set k 0} {$k < $sm_wgt_max} {incr k} {
        set name m_axi_wgt$k
        set bif [sm_add_aximm $core $name master $sm_axi_read_signals]
        sm_add_address_space $core $name
        set enable [sm_enable_expr WGT_PORTS $k]
        set_property enablement_dependency $enable $bif
        foreach sig $sm_axi_read_signals {
            set_property enablement_dependency $enable \
                [ipx::get_ports ${name}_$sig -of_objects $core]
        }
        foreach sig $sm_axi_read_inputs {
            set_property driver_value 0 [ipx::get_ports ${name}_$sig -of_objects $core]
        }
        lappend busifs $name
    }

    # --- clock, reset, interrupt
    sm_add_signal $core ap_clk xilinx.com:signal:clock_rtl:1.0 xilinx.com:signal:clock:1.0 \
        slave CLK ap_clk [list ASSOCIATED_BUSIF [join $busifs :] ASSOCIATED_RESET ap_rst_n]
    sm_add_signal $core ap_rst_n xilinx.com:signal:reset_rtl:1.0 xilinx.com:signal:reset:1.0 \
        slave RST ap_rst_n [list POLARITY ACTIVE_LOW]
    sm_add_signal $core interrupt xilinx.com:signal:interrupt_rtl:1.0 \
        xilinx.com:signal:interrupt:1.0 master INTERRUPT interrupt [list SENSITIVITY LEVEL_HIGH]

    # --- user parameters: every RTL parameter a build sets (the packager made one per HDL
    # parameter; a missing one means the RTL and the spec disagree)
    dict for {pname pvalue} $sm_params {
        set up [ipx::get_user_parameters $pname -of_objects $core]
        if {$up eq ""} {
            error "RTL parameter $pname (spacemimo/spec/builds.yaml) is not a parameter of\
                   rtl/spacemimo_accel.v"
        }
        set_property value_resolve_type user $up
    }
    if {[dict exists $sm_params WGT_PORTS]} {
        set up [ipx::get_user_parameters WGT_PORTS -of_objects $core]
        set_property value_validation_type range_long $up
        set_property value_validation_range_minimum 0 $up
        set_property value_validation_range_maximum $sm_wgt_max $up
    }

    ipx::create_xgui_files $core
    ipx::update_checksums $core
    ipx::check_integrity $core
    ipx::save_core $core
    close_project
    return [file join $ipdir component.xml]
}
