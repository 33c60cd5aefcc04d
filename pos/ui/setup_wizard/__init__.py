"""First-run set-up wizard: from a fresh install to a live shop (or training, one click)."""
