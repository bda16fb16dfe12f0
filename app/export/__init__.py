"""The offline export: a view's figures over a grid of one or two sliders in one self-contained HTML file."""
