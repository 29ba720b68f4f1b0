from coordination.statistics.models.categories import RecordCategories, ValueSet, ValueSetMember

__all__ = ["RecordCategories", "ValueSet", "ValueSetMember"]
