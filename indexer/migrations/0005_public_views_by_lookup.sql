-- The public views check a listing's organisation by a primary-key lookup per row (EXISTS)
-- rather than `IN (SELECT id FROM public_organizations)`, which SQLite materialises over every
-- organisation for each statement: tens of milliseconds per query at national scale.
DROP VIEW public_services;
DROP VIEW public_funds;

CREATE VIEW public_services AS
    SELECT * FROM services s
    WHERE s.publication = 'published' AND s.archived_at IS NULL
      AND EXISTS (SELECT 1 FROM organizations o
                  WHERE o.id = s.organization_id AND o.publication = 'published' AND o.archived_at IS NULL);
CREATE VIEW public_funds AS
    SELECT * FROM funds f
    WHERE f.publication = 'published' AND f.archived_at IS NULL
      AND (f.funder_organization_id IS NULL
           OR EXISTS (SELECT 1 FROM organizations o
                      WHERE o.id = f.funder_organization_id AND o.publication = 'published' AND o.archived_at IS NULL));
