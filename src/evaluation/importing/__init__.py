"""A team's own data in: raw files -> a validated data folder, by declarative recipes.

``evaluation import`` (:func:`run_import`) builds ``data/processed/`` from ``data/raw/`` with the
recipes of ``data/raw/sources.yaml`` (:mod:`.recipes`): official statistics from Regionaldatenbank /
GENESIS downloads (several vintages merged, symbols kept as flags), surveys from SPSS/Stata with a
mapping file (:mod:`.survey`), coded material from REFI-QDA projects or MAXQDA exports with a
code-book mapping (:mod:`.qda`), and the team's lists from Excel templates (:mod:`.templates`,
``evaluation template <kind>``). The result is validated against the contracts before it replaces
the old folder, and every table gets a provenance record (raw files with SHA-256, recipe, time,
version).
"""

from .build import ImportResult, run_import
from .qda import apply_codebook_mapping, import_qda, load_codebook_mapping
from .recipes import load_recipes, parse_recipes
from .survey import derive_survey_items, import_survey, load_mapping
from .templates import TEMPLATES, read_template, write_template

__all__ = ["ImportResult", "run_import", "load_recipes", "parse_recipes", "import_survey", "load_mapping",
           "derive_survey_items", "import_qda", "load_codebook_mapping", "apply_codebook_mapping", "TEMPLATES",
           "read_template", "write_template"]
