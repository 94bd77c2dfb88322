"""Publishing verified links: tables, and RDF with SKOS mappings and PROV-O provenance."""
