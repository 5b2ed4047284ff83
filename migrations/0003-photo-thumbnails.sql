-- Version 3: a small copy of each uploaded photo, for the catalogue's cards
-- and the admin table, which showed the full-size photo (up to 1600 px) in
-- a box a few hundred pixels wide. Photos stored before this version have
-- none; their full-size photo is served in its place.
ALTER TABLE images ADD COLUMN thumbnail BLOB;
