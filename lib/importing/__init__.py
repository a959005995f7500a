"""Import of school-system exports and enrolment lists: read any layout, map the columns,
validate every row, and commit the valid rows in one transaction."""
