"""The lab that stands in for vCenter: see lab/CONTRACT.md."""
