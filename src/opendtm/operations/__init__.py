"""Operations (one crisis response in one country), rounds and the site registry."""
