"""FLIP Research's node as a Flower ClientApp (served by 'flip-research serve' as a FAB)."""
