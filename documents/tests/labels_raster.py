"""Rasterise a label PDF of documents.labels (filled rectangles ``x y w h re f``) into an image,
as a printer would, so tests can read its barcode with zxing-cpp like a scanner does."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw

BOX = re.compile(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]")
RECT = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re f")


def rasterise(pdf: bytes, *, dpi: int = 300) -> Image.Image:
    box = BOX.search(pdf)
    assert box, "not a label PDF with a media box"
    width, height = float(box[1]), float(box[2])
    scale = dpi / 72
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    stream = pdf[pdf.index(b"stream\n") : pdf.index(b"endstream")]
    for match in RECT.finditer(stream):
        x, y, w, h = (float(v) for v in match.groups())
        draw.rectangle(
            [x * scale, (height - y - h) * scale, (x + w) * scale - 1, (height - y) * scale],
            fill=0,
        )
    return image


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
