"""What every page shares: the page table (``navigation``), save/load/share and lessons (``sharing``),
presenter mode (``presenter``) and the server's memory housekeeping (``housekeeping``)."""
