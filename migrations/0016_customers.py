"""Business customers (issue 16): customers with the end of their last agreement (the retention
clock of their contact persons and agreements), contact persons, agreements with who signed
them, and what was shared with them: disclosures, each opening of one, and the corrections
passed on (Art. 19). Time defaults (utcnow) are set by the models."""
from peewee import *

from portal.db import IdField  # never gives a deleted row's id again (SQLite AUTOINCREMENT)


def up(migrator, db):
    class Consent(Model):
        class Meta:
            database = db
            table_name = 'consent'

    class Person(Model):
        class Meta:
            database = db
            table_name = 'person'

    class Customer(Model):
        id = IdField()
        name = CharField(max_length=200)
        org_number = CharField(unique=True, max_length=9)
        agreement_ends_on = DateField(index=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer'
    db.create_tables([Customer])

    class CustomerContact(Model):
        id = IdField()
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        name = CharField(max_length=200)
        title = CharField(max_length=200, default='')
        email = CharField(index=True, max_length=254, default='')
        phone = CharField(max_length=32, default='')
        locale = CharField(max_length=5, default='nb')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer_contact'
    db.create_tables([CustomerContact])

    class CustomerAgreement(Model):
        id = IdField()
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        starts_on = DateField()
        ends_on = DateField()
        signed_by = CharField(max_length=200)
        signer = ForeignKeyField(CustomerContact, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer_agreement'
    db.create_tables([CustomerAgreement])

    class Disclosure(Model):
        id = IdField()
        person = ForeignKeyField(Person, on_delete='CASCADE')
        customer = ForeignKeyField(Customer)
        contact = ForeignKeyField(CustomerContact, null=True, on_delete='SET NULL')
        categories = TextField(default='[]')
        documents = TextField(default='[]')
        basis = CharField(max_length=32)
        consent = ForeignKeyField(Consent, null=True, on_delete='SET NULL')
        shared_by = IntegerField(null=True)
        shared_at = DateTimeField(index=True)
        expires_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        revoked_why = CharField(max_length=32, default='')
        token_hash = CharField(unique=True, max_length=64)
        class Meta:
            database = db
            table_name = 'disclosure'
    db.create_tables([Disclosure])

    class DisclosureOpening(Model):
        id = IdField()
        disclosure = ForeignKeyField(Disclosure, on_delete='CASCADE')
        at = DateTimeField()
        document = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'disclosure_opening'
    db.create_tables([DisclosureOpening])

    class PassOnNotice(Model):
        id = IdField()
        disclosure = ForeignKeyField(Disclosure, on_delete='CASCADE')
        kind = CharField(max_length=16)
        categories = TextField(default='[]')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'pass_on_notice'
    db.create_tables([PassOnNotice])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('pass_on_notice'))
    migrator.migrate(migrator.drop_table('disclosure_opening'))
    migrator.migrate(migrator.drop_table('disclosure'))
    migrator.migrate(migrator.drop_table('customer_agreement'))
    migrator.migrate(migrator.drop_table('customer_contact'))
    migrator.migrate(migrator.drop_table('customer'))
