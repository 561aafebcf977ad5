"""College process: scale-up requests, advice and board decisions, the collective fund,
adoption monitoring; and the Task Force role.

Revision ID: bfd666ef741d
Revises: d1fc3be07c8d
Create Date: 2026-11-28 18:43:38.865273

"""

from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = "bfd666ef741d"
down_revision = "d1fc3be07c8d"
branch_labels = None
depends_on = None

OLD_ROLES = (
    "vng_admin",
    "vng_finance",
    "college",
    "board",
    "gemeente_it",
    "gemeente_finance",
    "stemgerechtigde",
)
NEW_ROLES = OLD_ROLES + ("task_force",)


def _role_check(roles):
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_roles_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_roles_role"),
            "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")",
        )


def upgrade():
    _role_check(NEW_ROLES)
    op.create_table(
        "adoption_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("municipality_share", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "municipality_share > 0 AND municipality_share <= 100",
            name=op.f("ck_adoption_targets_share_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_adoption_targets_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adoption_targets")),
        sa.UniqueConstraint(
            "facility_id", "target_date", name=op.f("uq_adoption_targets_facility_id_target_date")
        ),
    )
    with op.batch_alter_table("adoption_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adoption_targets_facility_id"), ["facility_id"], unique=False
        )

    op.create_table(
        "go_lives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("live_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_label", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_go_lives_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_go_lives_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_go_lives")),
        sa.UniqueConstraint(
            "facility_id", "member_id", name=op.f("uq_go_lives_facility_id_member_id")
        ),
    )
    with op.batch_alter_table("go_lives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_go_lives_facility_id"), ["facility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_go_lives_member_id"), ["member_id"], unique=False)

    op.create_table(
        "scale_up_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "requester_kind",
            sa.Enum(
                "gemeente",
                "task_force",
                "vng_king",
                name="requester_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_label", sa.String(length=255), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("proposed_rollout", sa.Text(), nullable=False),
        sa.Column("expected_costs_cents", sa.BigInteger(), nullable=False),
        sa.Column("expected_benefits_cents", sa.BigInteger(), nullable=False),
        sa.Column("societal_benefits", sa.Text(), nullable=False),
        sa.Column("requested_contribution_cents", sa.BigInteger(), nullable=False),
        sa.Column(
            "requested_compartment",
            sa.Enum(
                "beheer",
                "structureel",
                "innovatie",
                name="compartment",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "ingediend",
                "in_beoordeling",
                "advies_college",
                "besluit_bestuur",
                "in_uitvoering",
                "afgerond",
                "afgewezen",
                "ingetrokken",
                name="request_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("impact_analysis", sa.Text(), nullable=False),
        sa.Column("assessment_conclusion", sa.Text(), nullable=False),
        sa.Column("assessment_snapshot", sa.JSON(), nullable=True),
        sa.Column("submitted_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "expected_benefits_cents >= 0", name=op.f("ck_scale_up_requests_benefits_not_negative")
        ),
        sa.CheckConstraint(
            "expected_costs_cents >= 0", name=op.f("ck_scale_up_requests_costs_not_negative")
        ),
        sa.CheckConstraint(
            "requested_contribution_cents >= 0",
            name=op.f("ck_scale_up_requests_contribution_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_scale_up_requests_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_scale_up_requests_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_scale_up_requests_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_up_requests")),
    )
    with op.batch_alter_table("scale_up_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_up_requests_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scale_up_requests_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scale_up_requests_status"), ["status"], unique=False)

    op.create_table(
        "board_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "overgenomen",
                "geamendeerd",
                "verworpen",
                name="board_outcome",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "binding_level",
            sa.Enum(
                "vrij",
                "vrijwillig_niet_vrijblijvend",
                "algemeen_bindend",
                name="binding",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "execution_structure",
            sa.Enum(
                "lokaal",
                "functioneel",
                "regionaal",
                "landelijk",
                name="execution_structure",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("fund_allocation_cents", sa.BigInteger(), nullable=False),
        sa.Column("catalogue_decision_id", sa.Integer(), nullable=True),
        sa.Column("subscriptions_created", sa.Integer(), nullable=False),
        sa.Column("decided_by_label", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalogue_decision_id"],
            ["decisions.id"],
            name=op.f("fk_board_decisions_catalogue_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_board_decisions_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_decisions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_board_decisions_request_id")),
    )
    op.create_table(
        "college_advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("rollout", sa.Text(), nullable=False),
        sa.Column("timeline", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "binding_level",
            sa.Enum(
                "vrij",
                "vrijwillig_niet_vrijblijvend",
                "algemeen_bindend",
                name="binding",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("cooperation_form", sa.String(length=300), nullable=False),
        sa.Column(
            "execution_structure",
            sa.Enum(
                "lokaal",
                "functioneel",
                "regionaal",
                "landelijk",
                name="execution_structure",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("fund_allocation_cents", sa.BigInteger(), nullable=False),
        sa.Column("fund_year", sa.Integer(), nullable=True),
        sa.Column(
            "fund_compartment",
            sa.Enum(
                "beheer",
                "structureel",
                "innovatie",
                name="compartment",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "concept",
                "vastgesteld",
                name="advice_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("drafted_by_label", sa.String(length=255), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("adopted_at", portal.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "fund_allocation_cents >= 0", name=op.f("ck_college_advice_allocation_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_college_advice_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_college_advice")),
        sa.UniqueConstraint("request_id", name=op.f("uq_college_advice_request_id")),
    )
    op.create_table(
        "fund_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("alv_subject_id", sa.Integer(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("last_year >= first_year", name=op.f("ck_fund_plans_valid_years")),
        sa.ForeignKeyConstraint(
            ["alv_subject_id"], ["subjects.id"], name=op.f("fk_fund_plans_alv_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_plans")),
    )
    op.create_table(
        "scale_up_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_label", sa.String(length=255), nullable=False),
        sa.Column("uploaded_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_scale_up_documents_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_up_documents")),
    )
    with op.batch_alter_table("scale_up_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_up_documents_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "scale_up_front_runners",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_scale_up_front_runners_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_scale_up_front_runners_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "member_id", name=op.f("pk_scale_up_front_runners")),
    )
    op.create_table(
        "scale_up_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "ingediend",
                "in_beoordeling",
                "advies_college",
                "besluit_bestuur",
                "in_uitvoering",
                "afgerond",
                "afgewezen",
                "ingetrokken",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "ingediend",
                "in_beoordeling",
                "advies_college",
                "besluit_bestuur",
                "in_uitvoering",
                "afgerond",
                "afgewezen",
                "ingetrokken",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_label", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_scale_up_transitions_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_up_transitions")),
    )
    with op.batch_alter_table("scale_up_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_up_transitions_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "college_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("member_label", sa.String(length=255), nullable=False),
        sa.Column(
            "position",
            sa.Enum(
                "eens",
                "eens_met_kanttekening",
                "oneens",
                "onthouding",
                name="position_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_id"],
            ["college_advice.id"],
            name=op.f("fk_college_positions_advice_id_college_advice"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_college_positions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_college_positions")),
        sa.UniqueConstraint(
            "advice_id", "user_id", name=op.f("uq_college_positions_advice_id_user_id")
        ),
    )
    with op.batch_alter_table("college_positions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_college_positions_advice_id"), ["advice_id"], unique=False
        )

    op.create_table(
        "fund_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "concept",
                "voorgesteld",
                "geautoriseerd",
                name="fund_year_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("contribution_product_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by_label", sa.String(length=255), nullable=False),
        sa.Column("proposed_at", portal.db.UTCDateTime(), nullable=True),
        sa.Column("authorised_by_label", sa.String(length=255), nullable=False),
        sa.Column("authorised_at", portal.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contribution_product_id"],
            ["products.id"],
            name=op.f("fk_fund_years_contribution_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["fund_plans.id"], name=op.f("fk_fund_years_plan_id_fund_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_years")),
        sa.UniqueConstraint("year", name=op.f("uq_fund_years_year")),
    )
    with op.batch_alter_table("fund_years", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_years_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "fund_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_year_id", sa.Integer(), nullable=False),
        sa.Column(
            "compartment",
            sa.Enum(
                "beheer",
                "structureel",
                "innovatie",
                name="compartment",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("activity", sa.String(length=300), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("collective_activity_id", sa.Integer(), nullable=True),
        sa.Column("committed_by_label", sa.String(length=255), nullable=False),
        sa.Column("committed_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_fund_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["collective_activity_id"],
            ["collective_activities.id"],
            name=op.f("fk_fund_allocations_collective_activity_id_collective_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["fund_year_id"],
            ["fund_years.id"],
            name=op.f("fk_fund_allocations_fund_year_id_fund_years"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["scale_up_requests.id"],
            name=op.f("fk_fund_allocations_request_id_scale_up_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_allocations")),
    )
    with op.batch_alter_table("fund_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_allocations_fund_year_id"), ["fund_year_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fund_allocations_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "fund_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_year_id", sa.Integer(), nullable=False),
        sa.Column(
            "compartment",
            sa.Enum(
                "beheer",
                "structureel",
                "innovatie",
                name="compartment",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("budget_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("budget_cents >= 0", name=op.f("ck_fund_budgets_budget_not_negative")),
        sa.ForeignKeyConstraint(
            ["fund_year_id"],
            ["fund_years.id"],
            name=op.f("fk_fund_budgets_fund_year_id_fund_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budgets")),
        sa.UniqueConstraint(
            "fund_year_id", "compartment", name=op.f("uq_fund_budgets_fund_year_id_compartment")
        ),
    )
    with op.batch_alter_table("fund_budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_budgets_fund_year_id"), ["fund_year_id"], unique=False
        )

    op.create_table(
        "fund_spending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("recorded_by_label", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_fund_spending_amount_positive")),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["fund_allocations.id"],
            name=op.f("fk_fund_spending_allocation_id_fund_allocations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_spending")),
    )
    with op.batch_alter_table("fund_spending", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_spending_allocation_id"), ["allocation_id"], unique=False
        )


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role = 'task_force'")
    _role_check(OLD_ROLES)
    with op.batch_alter_table("fund_spending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_spending_allocation_id"))

    op.drop_table("fund_spending")
    with op.batch_alter_table("fund_budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_budgets_fund_year_id"))

    op.drop_table("fund_budgets")
    with op.batch_alter_table("fund_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_allocations_request_id"))
        batch_op.drop_index(batch_op.f("ix_fund_allocations_fund_year_id"))

    op.drop_table("fund_allocations")
    with op.batch_alter_table("fund_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_years_plan_id"))

    op.drop_table("fund_years")
    with op.batch_alter_table("college_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_college_positions_advice_id"))

    op.drop_table("college_positions")
    with op.batch_alter_table("scale_up_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_up_transitions_request_id"))

    op.drop_table("scale_up_transitions")
    op.drop_table("scale_up_front_runners")
    with op.batch_alter_table("scale_up_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_up_documents_request_id"))

    op.drop_table("scale_up_documents")
    op.drop_table("fund_plans")
    op.drop_table("college_advice")
    op.drop_table("board_decisions")
    with op.batch_alter_table("scale_up_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_up_requests_status"))
        batch_op.drop_index(batch_op.f("ix_scale_up_requests_member_id"))
        batch_op.drop_index(batch_op.f("ix_scale_up_requests_facility_id"))

    op.drop_table("scale_up_requests")
    with op.batch_alter_table("go_lives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_go_lives_member_id"))
        batch_op.drop_index(batch_op.f("ix_go_lives_facility_id"))

    op.drop_table("go_lives")
    with op.batch_alter_table("adoption_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adoption_targets_facility_id"))

    op.drop_table("adoption_targets")
