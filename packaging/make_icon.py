"""Draws packaging/fileexam.ico (the executables' and the installer's icon): a case file with a tick.
Run once with Pillow (it comes with matplotlib): python packaging/make_icon.py"""

from pathlib import Path

from PIL import Image, ImageDraw

S = 256
img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
d = ImageDraw.Draw(img)
d.rounded_rectangle((8, 8, S - 8, S - 8), radius=44, fill=(31, 78, 121, 255))          # the tile
d.polygon([(64, 36), (160, 36), (200, 76), (200, 220), (64, 220)], fill=(255, 255, 255, 255))  # the file
d.polygon([(160, 36), (160, 76), (200, 76)], fill=(198, 214, 232, 255))                 # its folded corner
for y in (96, 124, 152):
    d.line((84, y, 136, y), fill=(150, 170, 190, 255), width=8)                         # lines of text
d.line((98, 176, 124, 200, 184, 128), fill=(0, 128, 60, 255), width=18, joint="curve")  # the tick
img.save(Path(__file__).with_name("fileexam.ico"), sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64),
                                                          (128, 128), (256, 256)])
