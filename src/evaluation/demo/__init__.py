"""The Musterdaten generator: synthetic demo data with a known ground truth.

``generate(out_dir, seed=20251, scale="default")`` writes every table of the workbench's data
contracts for the five Kommune-Inklusiv model municipalities and a fictional comparison pool of 124
applicants, the survey microdata, process tables, qualitative material and ``ground_truth.json``;
``scale="national"`` writes municipalities, structure and municipality-level indicator values for
about 10,800 municipalities (benchmarks). Same seed, same bytes. The data-generating processes are
documented in :mod:`evaluation.demo.municipalities`, :mod:`~evaluation.demo.panel`,
:mod:`~evaluation.demo.survey`, :mod:`~evaluation.demo.process` and :mod:`~evaluation.demo.qualitative`.

``ground_truth.json``:

* ``effects``: one entry per indicator x model municipality with ``indicator_id, municipality_id,
  start, scale ("value" | "log"), level, slope, att_by_year {year: true effect in published units},
  signal_to_noise {noise_sd, mean_att, snr}``; ``induced_effects`` (the count ``arbeitslose_sb``);
* ``types`` (municipality -> latent type), ``type_trends_per_year`` (indicator -> type -> trend),
  ``indicator_dgp`` (the other parameters of each official/local indicator's process);
* ``pools``: per model municipality ``all_applicants`` (biased), ``same_type`` and ``matched``
  (unbiased), ``nearest_structure``, each with ids, ``unbiased`` and ``trend_bias_per_year``, plus why;
* ``coder_agreement``: q, r, overlap documents, expected and realised percent agreement and kappa;
* ``survey``: population and counterfactual values per municipality x wave, att, the design,
  Cronbach's alpha of att1..att5; ``notes``.

``generate(pathlib.Path(tempfile.mkdtemp()) / "demo", seed=7)`` returns ``{file name: path}``
(``README.md``, ``areas.csv``, ...); it takes about 20 s, so the runnable example stays small:

>>> from evaluation.demo import generate
>>> from evaluation.demo.generate import SCALES
>>> SCALES
('default', 'national')
"""

from .generate import SCALES, generate

__all__ = ["generate", "SCALES"]
