# generated from spacemimo/spec/regmap.yaml by `spacemimo gen` — do not edit
# The packaged IP's VLNV: spacemimo:hls:spacemimo_accel:1.0 (PYNQ's bindto matches it).
set ip_vendor  spacemimo
set ip_library hls
set ip_name    spacemimo_accel
set ip_version 1.0
