"""The pages: templates and their languages, the stories (presenter mode included), /embed and /oembed."""
