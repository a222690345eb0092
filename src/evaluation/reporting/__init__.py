"""Publishing: German report texts, accessible figures and tables, the report's building blocks.

Nothing in the rest of the library imports from here; this package imports the library."""
