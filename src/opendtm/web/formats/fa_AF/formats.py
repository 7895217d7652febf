"""Dari as IOM Afghanistan's products write numbers: Western digits, grouped by three with a
comma, a point before decimals (Django's Persian has no grouping). Dates stay ISO on the pages."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
