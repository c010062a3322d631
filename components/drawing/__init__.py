"""The shared drawing: the network graph and its click reader (``graph``), its node layout (``layout``), a
function of two variables with its gradient arrow (``contour``) and the one visual
encoding every page uses (``style``: colour scales, widths, palettes, number formatting on figures)."""
