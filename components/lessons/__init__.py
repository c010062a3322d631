"""The lessons page: ``page`` lists the lesson presets of ``engine/lessons`` and opens them."""
