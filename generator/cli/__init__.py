"""The command line: an explicit command table, each command a thin call into the stages."""
