"""Published raster images: what a photo may carry out of the newsroom. `containers` reads and
edits the segments and chunks of JPEG, PNG, WebP and GIF files without decoding them (so
metadata is dropped losslessly); `privacy` checks that a file decodes, applies an EXIF
orientation to the pixels, refuses formats it cannot clean (HEIC, HEIF, AVIF, TIFF, JPEG XL)
and keeps only the fields `image_keep` names; `plan` decides the widths and formats a photo
is offered in and its card's name, without Pillow, and `variants` makes their bytes. Pillow
is imported by `privacy` and `variants` alone, which the pipeline loads only for an image to
process. Pure: bytes in, bytes or a refusal out; reads and writes no file.

May import: the vocabulary.
"""
