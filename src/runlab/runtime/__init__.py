"""Everything with side effects: argv, output directories, logging, calling the task, sweeps.

Nothing is imported here on purpose: ``@runlab.main`` loads only the modules a command needs.
"""
