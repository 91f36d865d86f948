"""One module per page; each calls ``dash.register_page`` and keeps only layout and callbacks."""
