"""Export: .docx documents and the export gate."""
