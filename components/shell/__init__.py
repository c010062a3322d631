"""What every page shares: the page table (``navigation``), save/load/share and lessons (``sharing``),
presenter mode (``presenter``), the server's memory housekeeping (``housekeeping``), the play timer the
step page and the sandbox share (``timer``), the scenario adapters' pure helpers (``adapt``) and the
address-bar writer shipped as a plain JS file (``replace_history.js``)."""
