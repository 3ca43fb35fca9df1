"""The extra sheets of the output workbook: Summary, Offers, RFQ and Scenarios, one module each."""
