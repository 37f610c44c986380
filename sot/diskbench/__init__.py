"""``sot bench``: a disk benchmark that measures the disk, not the page cache, and leaves
nothing behind.

The parts, so each can be tested alone: ``latency`` (a bounded histogram and its percentiles),
``plan`` (sizes, tests, the free-space rule: pure), ``target`` (which filesystem a directory is
on, and the picker's list), ``runner`` (the I/O itself, in a private temporary directory),
``report`` (the table, the progress line and the JSON: pure) and ``picker`` (the arrow-key
chooser on the terminal). The command (``sot.commands.bench``) joins them.
"""
