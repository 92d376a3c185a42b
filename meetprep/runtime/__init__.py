"""The speed wing: the entry point, the fork server, the disk cache, the resident worker and
the supervisor of `meetprep serve`. Nothing in the domain imports it; turning it off changes only
the speed."""
