"""Surveys: Bürgerbefragung (population survey) and questionnaires of participants.

Modules (read -> weight -> estimate):

* :mod:`evaluation.io.surveyfiles` -- ``read_survey(path) -> (DataFrame, SurveyLabels)`` for SPSS, Stata, CSV;
* :mod:`.weights` -- ``design_weights``, ``rake`` (IPF to population margins), ``trim_weights``,
  ``kish_effective_n``;
* :mod:`.design` -- ``SurveyDesign`` (Taylor-linearised means, shares, totals, domains, differences;
  calibration-aware variance for raked weights), ``wave_difference``, ``wave_differences``;
* :mod:`.scales` -- ``reverse_items``, ``scale_score``, ``cronbach_alpha`` (Feldt interval, item statistics);
* :mod:`.participants` -- reach, acceptance and benefit per measure (Wirkungsstufen 2-4).

Typical use::

    from evaluation.survey.weights import rake, margins_from_table
    from evaluation.survey.design import SurveyDesign

    margins = margins_from_table(population_margins, municipality_id="erlangen", year=2021)
    raked = rake(responses, margins)
    responses["weight"] = raked.weights
    design = SurveyDesign(responses, weight="weight", calibration=list(margins))
    design.table(["kontakt", "freizeit"], by="has_disability", kind="proportion")
"""
