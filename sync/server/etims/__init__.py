"""KRA eTIMS at head office for enrolled stores: one OSCU device per branch, shared by all
its tills, one gap-free ``invcNo`` sequence per branch (docs/etims.md)."""
