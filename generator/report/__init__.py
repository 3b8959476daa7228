"""The customer's 8D report: PDF and Excel, in the customer's format (docs/customer-report.md).

``audience`` reads which fields a customer may see from the schema (``x-kesu-audience``),
``profiles`` the report formats (data, like the policy presets), ``content`` builds one
record's report as data (customer-visible fields only), ``pdf`` and ``xlsx`` write it, and
``checks`` tells ``kesu validate`` what a customer's profile needs and a record lacks.
"""
