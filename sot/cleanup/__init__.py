"""``sot clean``'s parts, apart from its command line: the targets (data), the one planning
function that both ``--dry-run`` and a real run use, the deletion that follows a plan through
opened directories, the reading of open files, and the pure rendering of tables, results and
JSON. A package of its own because every part is tested alone on fake trees, and nothing in
the monitoring pipeline has any use for it."""
