"""The desktop app: the only package that imports PySide6. Thin views over the use-cases."""
