"""The shared drawing: the network graph (``graph``), its node layout (``layout``) and the one visual
encoding every page uses (``style``: colour scales, widths, palettes, number formatting on figures)."""
