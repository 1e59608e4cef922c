"""Steps that every service's schema history takes alike (the messaging tables each database holds),
written once and called from each history's revision. Like any revision, a step is never edited once
released: a change to the messaging tables is a new step, called from a new revision in each history."""
