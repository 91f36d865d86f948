"""R2P atrocity-risk dashboard (Dash Pages): thin pages over one read-only query layer and pure figure builders."""
