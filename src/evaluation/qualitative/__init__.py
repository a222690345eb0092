"""Coded qualitative material: code book, aggregation, intercoder agreement, co-occurrence,
saturation, pseudonymised quotes and the mixed-methods joint display.

Modules (one concept each):

- :mod:`.codebook` - paths, ancestors, roll-up map, inherited Lebensbereich / Wirkungsstufe
- :mod:`.aggregate` - code frequencies, prevalence (Wilson intervals), case x wave view
- :mod:`.agreement` - percent agreement, Cohen / Fleiss / Brennan-Prediger kappa,
  Krippendorff's alpha, segment-based agreement
- :mod:`.cooccurrence` - code x code counts and Jaccard strength
- :mod:`.saturation` - new codes per additional document
- :mod:`.quotes` - pseudonymisation and quote selection
- :mod:`.joint_display` - indicators beside codes per Lebensbereich x Wirkungsstufe

Readers live in :mod:`evaluation.io.refi` (REFI-QDA) and :mod:`evaluation.io.qda_tables`
(MAXQDA / Taguette tables).
"""
