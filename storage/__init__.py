"""updeck.storage: the disk layer (TinyDB project logs, snapshots, template files, the Markdown importer)."""
