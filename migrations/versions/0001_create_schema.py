"""Create the whole TrainHub schema: centres, courses, sessions, people, bookings, payments,
delivery and records.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 07:11:37.372603

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table('tenants',
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tagline', sa.String(length=300), nullable=False),
    sa.Column('brand_colour', sa.String(length=7), nullable=False),
    sa.Column('logo_path', sa.String(length=500), nullable=True),
    sa.Column('contact_email', sa.String(length=320), nullable=False),
    sa.Column('contact_phone', sa.String(length=50), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('deposit_percent', sa.Integer(), nullable=False),
    sa.Column('hold_minutes', sa.Integer(), nullable=False),
    sa.Column('balance_due_days', sa.Integer(), nullable=False),
    sa.Column('offer_window_hours', sa.Integer(), nullable=False),
    sa.Column('full_refund_days', sa.Integer(), nullable=False),
    sa.Column('offers_full_payment', sa.Boolean(), nullable=False),
    sa.Column('offers_deposit', sa.Boolean(), nullable=False),
    sa.Column('offers_invoice', sa.Boolean(), nullable=False),
    sa.Column('vat_rate_basis_points', sa.Integer(), nullable=True),
    sa.Column('bank_details', sa.Text(), nullable=False),
    sa.Column('email_sender', sa.String(length=320), nullable=False),
    sa.Column('next_invoice_number', sa.Integer(), nullable=False),
    sa.Column('next_certificate_number', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('balance_due_days >= 0', name=op.f('ck_tenants_balance_due_days_nonnegative')),
    sa.CheckConstraint('deposit_percent BETWEEN 1 AND 100', name=op.f('ck_tenants_deposit_percent_range')),
    sa.CheckConstraint('full_refund_days >= 0', name=op.f('ck_tenants_full_refund_days_nonnegative')),
    sa.CheckConstraint('hold_minutes BETWEEN 1 AND 1440', name=op.f('ck_tenants_hold_minutes_range')),
    sa.CheckConstraint('next_certificate_number >= 1', name=op.f('ck_tenants_certificate_number_positive')),
    sa.CheckConstraint('next_invoice_number >= 1', name=op.f('ck_tenants_invoice_number_positive')),
    sa.CheckConstraint('offer_window_hours >= 1', name=op.f('ck_tenants_offer_window_positive')),
    sa.CheckConstraint('vat_rate_basis_points IS NULL OR vat_rate_basis_points >= 0', name=op.f('ck_tenants_vat_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('api_tokens',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('INSTRUCTOR', 'STAFF', 'ADMIN', 'OWNER', name='api_token_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_tokens_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_audit_log_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_tenant_created', ['tenant_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('courses',
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('duration_hours', sa.Integer(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('default_capacity', sa.Integer(), nullable=False),
    sa.Column('certificate_validity_months', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('certificate_validity_months IS NULL OR certificate_validity_months >= 1', name=op.f('ck_courses_certificate_validity_positive')),
    sa.CheckConstraint('default_capacity BETWEEN 1 AND 500', name=op.f('ck_courses_default_capacity_range')),
    sa.CheckConstraint('duration_days >= 1', name=op.f('ck_courses_duration_days_positive')),
    sa.CheckConstraint('duration_hours >= 0', name=op.f('ck_courses_duration_hours_nonnegative')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_courses_price_nonnegative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_courses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('tenant_id', 'slug', name='uq_courses_tenant_slug')
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index('ix_courses_tenant_active_category', ['tenant_id', 'is_active', 'category'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('customers',
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('billing_email', sa.String(length=320), nullable=False),
    sa.Column('po_number', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('tenant_id', 'email', name='uq_customers_tenant_email')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_customers_tenant_last_name', ['tenant_id', 'last_name'], unique=False)

    op.create_table('sign_in_attempts',
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sign_in_attempts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_attempts_lookup', ['tenant_id', 'audience', 'email', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('staff_users',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('INSTRUCTOR', 'STAFF', 'ADMIN', 'OWNER', name='staff_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_staff_users_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('tenant_id', 'email', name='uq_staff_users_tenant_email')
    )
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_users_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('course_sessions',
    sa.Column('course_id', sa.String(length=36), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_spots', sa.Integer(), nullable=False),
    sa.Column('booked_spots', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_completed', sa.Boolean(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=False),
    sa.Column('instructor_notes', sa.Text(), nullable=False),
    sa.Column('instructor_id', sa.String(length=36), nullable=True),
    sa.Column('venue', sa.String(length=300), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('available_spots BETWEEN 1 AND 500', name=op.f('ck_course_sessions_available_spots_range')),
    sa.CheckConstraint('booked_spots <= available_spots', name=op.f('ck_course_sessions_not_overbooked')),
    sa.CheckConstraint('booked_spots >= 0', name=op.f('ck_course_sessions_booked_spots_nonnegative')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_course_sessions_end_not_before_start')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_sessions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instructor_id'], ['staff_users.id'], name=op.f('fk_course_sessions_instructor_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_course_sessions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_sessions'))
    )
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_course_sessions_course_start', ['course_id', 'start_date'], unique=False)
        batch_op.create_index('ix_course_sessions_instructor', ['instructor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_sessions_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_course_sessions_tenant_start', ['tenant_id', 'start_date', 'is_active'], unique=False)

    op.create_table('bookings',
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'CONFIRMED', 'CANCELLED', 'WAITLISTED', 'EXPIRED', name='booking_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('payment_option', sa.Enum('FULL', 'DEPOSIT', 'INVOICE', name='payment_option', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_amount', sa.Integer(), nullable=False),
    sa.Column('deposit_amount', sa.Integer(), nullable=False),
    sa.Column('amount_paid', sa.Integer(), nullable=False),
    sa.Column('balance_due', sa.Integer(), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('special_requests', sa.Text(), nullable=False),
    sa.Column('staff_notes', sa.Text(), nullable=False),
    sa.Column('cancellation_reason', sa.Text(), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('billing_email', sa.String(length=320), nullable=False),
    sa.Column('po_number', sa.String(length=100), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('amount_paid >= 0', name=op.f('ck_bookings_amount_paid_nonnegative')),
    sa.CheckConstraint('balance_due >= 0', name=op.f('ck_bookings_balance_due_nonnegative')),
    sa.CheckConstraint('deposit_amount <= total_amount', name=op.f('ck_bookings_deposit_within_total')),
    sa.CheckConstraint('deposit_amount >= 0', name=op.f('ck_bookings_deposit_nonnegative')),
    sa.CheckConstraint('total_amount >= 0', name=op.f('ck_bookings_total_nonnegative')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_bookings_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_bookings_session_id_course_sessions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_bookings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('reference', name=op.f('uq_bookings_reference'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_bookings_session_status', ['session_id', 'status'], unique=False)
        batch_op.create_index('ix_bookings_status_hold', ['status', 'hold_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_bookings_tenant_status_created', ['tenant_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('uq_bookings_live_customer_session', ['session_id', 'customer_id'], unique=True, sqlite_where=sa.text("status IN ('PENDING', 'CONFIRMED')"), postgresql_where=sa.text("status IN ('PENDING', 'CONFIRMED')"))

    op.create_table('achievements',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('course_id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('booking_id', sa.String(length=36), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('verification_code', sa.String(length=40), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= issued_on', name=op.f('ck_achievements_expiry_after_issue')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_achievements_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_achievements_course_id_courses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_achievements_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_achievements_session_id_course_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_achievements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievements')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_achievements_tenant_number'),
    sa.UniqueConstraint('verification_code', name=op.f('uq_achievements_verification_code'))
    )
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index('ix_achievements_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_achievements_tenant_expires', ['tenant_id', 'expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('email_outbox',
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('booking_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.Enum('QUEUED', 'SENDING', 'SENT', 'FAILED', name='outbox_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_email_outbox_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_email_outbox_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_email_outbox_dedupe_key'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('booking_id', sa.String(length=36), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('went_well', sa.Text(), nullable=False),
    sa.Column('to_improve', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_answers_rating_range')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_feedback_answers_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_feedback_answers_session_id_course_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feedback_answers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    sa.UniqueConstraint('booking_id', name='uq_feedback_answers_booking_id')
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_answers_session', ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_answers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('payments',
    sa.Column('booking_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('FULL', 'DEPOSIT', 'BALANCE', name='payment_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'PAID', 'FAILED', 'REFUNDED', name='payment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('payment_method', sa.Enum('card', 'bank_transfer', 'invoice', 'offline', name='payment_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('amount_refunded', sa.Integer(), nullable=False),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_nonnegative')),
    sa.CheckConstraint('amount_refunded <= amount', name=op.f('ck_payments_refund_within_amount')),
    sa.CheckConstraint('amount_refunded >= 0', name=op.f('ck_payments_refunded_nonnegative')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_payments_booking_id_bookings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_booking', ['booking_id'], unique=False)
        batch_op.create_index('ix_payments_stripe_checkout', ['stripe_checkout_session_id'], unique=False)
        batch_op.create_index('ix_payments_stripe_intent', ['stripe_payment_intent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_payments_tenant_status_paid', ['tenant_id', 'status', 'paid_at'], unique=False)

    op.create_table('session_attendance',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('booking_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('PRESENT', 'LATE', 'ABSENT', name='attendance_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_user_id', sa.String(length=36), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_session_attendance_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['staff_users.id'], name=op.f('fk_session_attendance_recorded_by_user_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_session_attendance_session_id_course_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_session_attendance_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
    sa.UniqueConstraint('booking_id', 'day', name='uq_session_attendance_booking_day')
    )
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_session_attendance_session_day', ['session_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_attendance_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('waiting_list_entries',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.Enum('WAITING', 'OFFERED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'CANCELLED', name='waiting_list_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booking_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_waiting_list_entries_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_waiting_list_entries_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_waiting_list_entries_session_id_course_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_waiting_list_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_list_entries'))
    )
    with op.batch_alter_table('waiting_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_list_entries_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_waiting_list_session_status_created', ['session_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('uq_waiting_list_live_customer_session', ['session_id', 'customer_id'], unique=True, sqlite_where=sa.text("status IN ('WAITING', 'OFFERED')"), postgresql_where=sa.text("status IN ('WAITING', 'OFFERED')"))

    op.create_table('refunds',
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_refunds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index('ix_refunds_payment', ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_tenant_id'), ['tenant_id'], unique=False)




def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_tenant_id'))
        batch_op.drop_index('ix_refunds_payment')

    op.drop_table('refunds')
    with op.batch_alter_table('waiting_list_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_waiting_list_live_customer_session', sqlite_where=sa.text("status IN ('WAITING', 'OFFERED')"), postgresql_where=sa.text("status IN ('WAITING', 'OFFERED')"))
        batch_op.drop_index('ix_waiting_list_session_status_created')
        batch_op.drop_index(batch_op.f('ix_waiting_list_entries_tenant_id'))

    op.drop_table('waiting_list_entries')
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendance_tenant_id'))
        batch_op.drop_index('ix_session_attendance_session_day')

    op.drop_table('session_attendance')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_status_paid')
        batch_op.drop_index(batch_op.f('ix_payments_tenant_id'))
        batch_op.drop_index('ix_payments_stripe_intent')
        batch_op.drop_index('ix_payments_stripe_checkout')
        batch_op.drop_index('ix_payments_booking')

    op.drop_table('payments')
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answers_tenant_id'))
        batch_op.drop_index('ix_feedback_answers_session')

    op.drop_table('feedback_answers')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_tenant_id'))
        batch_op.drop_index('ix_email_outbox_status_next')

    op.drop_table('email_outbox')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievements_tenant_id'))
        batch_op.drop_index('ix_achievements_tenant_expires')
        batch_op.drop_index('ix_achievements_customer')

    op.drop_table('achievements')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_live_customer_session', sqlite_where=sa.text("status IN ('PENDING', 'CONFIRMED')"), postgresql_where=sa.text("status IN ('PENDING', 'CONFIRMED')"))
        batch_op.drop_index('ix_bookings_tenant_status_created')
        batch_op.drop_index(batch_op.f('ix_bookings_tenant_id'))
        batch_op.drop_index('ix_bookings_status_hold')
        batch_op.drop_index('ix_bookings_session_status')
        batch_op.drop_index('ix_bookings_customer')

    op.drop_table('bookings')
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_course_sessions_tenant_start')
        batch_op.drop_index(batch_op.f('ix_course_sessions_tenant_id'))
        batch_op.drop_index('ix_course_sessions_instructor')
        batch_op.drop_index('ix_course_sessions_course_start')

    op.drop_table('course_sessions')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_users_tenant_id'))

    op.drop_table('staff_users')
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_tenant_id'))
        batch_op.drop_index('ix_sign_in_attempts_lookup')

    op.drop_table('sign_in_attempts')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_tenant_last_name')
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id'))

    op.drop_table('customers')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_tenant_id'))
        batch_op.drop_index('ix_courses_tenant_active_category')

    op.drop_table('courses')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_tenant_id'))
        batch_op.drop_index('ix_audit_log_tenant_created')
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_tenant_id'))

    op.drop_table('api_tokens')
    op.drop_table('tenants')

