"""The migrations' names, in order: enough to tell whether a file needs upgrading without importing sqlite-utils."""

MIGRATION_SET = "fileexam"
KNOWN = ["m001_initial", "m002_reporting_indexes", "m003_merges_and_double_marking",
         "m004_covering_answers_index", "m005_moderation",
         "m006_calibration", "m007_sample_design", "m008_queries_feedback",
         "m009_standardisation_gold", "m010_compact_answers", "m011_drop_answers_by_question"]
