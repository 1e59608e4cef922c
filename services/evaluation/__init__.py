"""The evaluation service: star ratings (好差评) and their follow-ups, the three evaluations (三评) with their
scores, ranks and rank ranges, and the rectifications (整改) assigned from them (contract section 9)."""
