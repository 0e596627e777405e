-- The original name of a downloaded file, as the site offered it.
ALTER TABLE artifacts ADD COLUMN filename TEXT;
