"""The links in the shapes the GLAM world reads: IIIF Web Annotations (`iiif`) and Linked Art
(`linked_art`), for the records `records` describes and the links `links` sees from both sides;
`export` writes them, `validate` checks them offline with the contexts `contexts` ships."""
