"""File formats: story files, Blorb, Quetzal saves, Babel identity, the save folder."""
