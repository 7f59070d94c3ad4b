module hookbridge/bench/newconn

// The standard library only: nothing to download, nothing to pin but the
// language version.
go 1.22
