"""Generated protocol code (aires/v1/aires.proto): make proto-python."""
