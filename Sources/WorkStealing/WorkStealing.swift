enum WorkStealingPlaceholder {}
